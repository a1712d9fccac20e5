package org.beitstream.trainer;

/**
 * One training image as it arrived: pixels as unsigned bytes, channel-major, and its visual tokens row-major.
 * Kept compact (bytes, not floats) because the replay buffer holds many of them.
 */
record Sample(String id, byte[] pixels, int[] tokens) {
}
