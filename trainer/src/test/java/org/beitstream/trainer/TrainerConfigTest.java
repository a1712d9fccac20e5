package org.beitstream.trainer;

import ai.djl.Device;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.masking.MaskingConfig;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TrainerConfigTest {
    @Test
    void masksAboutFortyPercentOfTheGridWithTheRecipesBlocksScaledToIt() {
        TrainerConfig config = TrainerConfig.defaults("r", "fmnist-tiny", BeitConfig.FMNIST_TINY);
        MaskingConfig masking = config.masking();
        assertEquals(20, config.maskedPatchesPerImage(), "40% of a 7x7 grid");
        assertEquals(7, masking.inputSize());
        assertEquals(4, masking.minNumPatches(), "16/196 of 49 patches");
        assertEquals(75, TrainerConfig.defaults("r", "base", BeitConfig.BASE).maskedPatchesPerImage() - 3,
                "78 = round(0.4 * 196), next to the recipe's 75");
    }

    @Test
    void devicesAreAutoCpuOrANumberOfGpus() {
        assertEquals(TrainerConfig.Devices.AUTO, TrainerConfig.defaults("r", "tiny", SyntheticImages.TINY).devices());
        assertEquals(TrainerConfig.Devices.AUTO, TrainerConfig.Devices.parse("auto"));
        assertEquals(TrainerConfig.Devices.CPU, TrainerConfig.Devices.parse("CPU"));
        assertEquals(new TrainerConfig.Devices(TrainerConfig.Devices.Kind.GPUS, 2), TrainerConfig.Devices.parse("2"));
        assertEquals("2", TrainerConfig.Devices.parse("2").toString());

        assertEquals(List.of(Device.cpu()), TrainerConfig.Devices.AUTO.resolve(0), "no GPU: the CPU");
        assertEquals(List.of(Device.gpu(0), Device.gpu(1), Device.gpu(2)), TrainerConfig.Devices.AUTO.resolve(3));
        assertEquals(List.of(Device.cpu()), TrainerConfig.Devices.CPU.resolve(2));
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), TrainerConfig.Devices.parse("2").resolve(4));
    }

    @Test
    void badDevicesNameTheFlag() {
        assertEquals("--devices: must be auto, cpu or a number of GPUs, got 'gpu'",
                assertThrows(SettingException.class, () -> TrainerConfig.Devices.parse("gpu")).getMessage());
        assertEquals("--devices: a number of GPUs must be >= 1, got 0",
                assertThrows(SettingException.class, () -> TrainerConfig.Devices.parse("0")).getMessage());
        assertEquals("--devices: CPU takes no number of GPUs, got 2", assertThrows(SettingException.class,
                () -> new TrainerConfig.Devices(TrainerConfig.Devices.Kind.CPU, 2)).getMessage());
        assertEquals("--devices: asks for 3 GPUs, but the engine reports 2",
                assertThrows(SettingException.class, () -> TrainerConfig.Devices.parse("3").resolve(2)).getMessage());

        TrainerConfig d = TrainerConfig.defaults("r", "tiny", SyntheticImages.TINY);
        TrainerConfig twoImages = new TrainerConfig("r", "tiny", d.model(), Optional.empty(), 2, d.schedule(),
                d.checkpoints(), d.limits(), d.replay(), 0, 6, 1, 5, Optional.empty(), TrainerConfig.Devices.AUTO);
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), twoImages.trainingDevices(2));
        assertEquals("--batch-size: must be at least the 3 devices a batch is split over, got 2",
                assertThrows(SettingException.class, () -> twoImages.trainingDevices(3)).getMessage());
    }

    @Test
    void invalidSettingsNameTheirFlag() {
        TrainerConfig d = TrainerConfig.defaults("r", "tiny", SyntheticImages.TINY);
        assertEquals("--run-id", assertThrows(SettingException.class, () -> TrainerConfig.defaults("../x", "tiny",
                SyntheticImages.TINY)).setting());
        assertEquals("--batch-size", assertThrows(SettingException.class, () -> new TrainerConfig("r", "tiny",
                d.model(), Optional.empty(), 0, d.schedule(), d.checkpoints(), d.limits(), d.replay(), 0, 6, 1, 5,
                Optional.empty(), d.devices())).setting());
        assertEquals("--masked-patches", assertThrows(SettingException.class, () -> new TrainerConfig("r", "tiny",
                d.model(), Optional.empty(), 8, d.schedule(), d.checkpoints(), d.limits(), d.replay(), 0, 17, 1, 5,
                Optional.empty(), d.devices())).setting());
        assertEquals("--lr", assertThrows(SettingException.class,
                () -> new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, Double.NaN, 0, 1)).setting());
        assertEquals("--keep-checkpoints", assertThrows(SettingException.class,
                () -> new TrainerConfig.Checkpointing(10, Duration.ZERO, 0)).setting());
        assertEquals("--replay-fraction", assertThrows(SettingException.class,
                () -> new TrainerConfig.Replay(10, 1.0)).setting());
    }

    @Test
    void warmupStableDecayAnnealsOverTheLastStepsOfABoundedRun() {
        TrainerConfig d = TrainerConfig.defaults("r", "tiny", SyntheticImages.TINY);
        TrainerConfig wsd = new TrainerConfig("r", "tiny", d.model(), Optional.empty(), 8,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.WSD, 1e-3, 10, 20), d.checkpoints(),
                new TrainerConfig.Limits(100, Duration.ZERO), d.replay(), 0, 6, 1, 5, Optional.empty(), d.devices());
        var schedule = wsd.optimization().schedule();
        assertEquals(1e-3, schedule.at(50), 1e-12, "stable phase");
        assertEquals(1e-3, schedule.at(80), 1e-12, "decay starts 20 steps before the end");
        assertEquals(5e-4, schedule.at(90), 1e-9, "half-way through the cosine");
    }
}
