/**
 * Optimisation as in the authors' pretraining: {@link org.beitstream.model.optim.AdamW} with the authors'
 * weight-decay groups ({@link org.beitstream.model.optim.ParameterGroup}), global-norm clipping and a
 * non-finite-loss guard, and per-step learning-rate schedules
 * ({@link org.beitstream.model.optim.LearningRateSchedule}).
 */
package org.beitstream.model.optim;
