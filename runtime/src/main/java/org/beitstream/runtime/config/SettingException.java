package org.beitstream.runtime.config;

/** A configuration value that cannot work, reported with the setting's name so the user can fix it. */
public class SettingException extends IllegalArgumentException {
    private final String setting;

    public SettingException(String setting, String problem) {
        super(setting + ": " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
