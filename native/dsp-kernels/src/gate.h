/*
 * The layout of a gate's block of doubles in the pool (gate.c; src/engine/native/gate-batch.ts
 * names the same offsets): Gate.writeParams' settings, Gate.writeSpanFall's frames and fall, then
 * the running state (Gate's `state` array).
 */
#ifndef FADERD_GATE_H
#define FADERD_GATE_H

/** Settings, in Gate.writeParams' order; then the span fall of the frames it was written for. */
enum {
  P_DET_HOLD, P_DET_FALL, P_OPEN, P_CLOSE, P_RANGE, P_CLOSED_GAIN, P_ATT_STEP, P_REL_STEP, P_HOLD,
  P_ATT_RATIO, P_REL_RATIO, P_FALL_SPAN, P_FALL_FRAMES, P_FALL_LAST
};
/** Where the state starts in a block, and its doubles (Gate's state array, in its order). */
#define GATE_STATE_AT 16
enum { S_ENV, S_ENV_HOLD, S_HOLD_LEFT, S_GAIN_DB, S_OPEN, S_TRANSITIONS };
/** Doubles per gate. */
#define GATE_BLOCK 24

#endif
