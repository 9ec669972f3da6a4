// Figures both sides use. Imports nothing, so the renderer may import its values.

export const SETPOINT_MIN_C = 5;
export const SETPOINT_MAX_C = 30;
/** Thermal mode: a schedule entry without `maxC` lets the room rise this far above its setpoint (K). */
export const DEFAULT_BAND_K = 2;
/** The planner's time limit when the settings name none (s). */
export const DEFAULT_PLANNER_TIME_LIMIT_SEC = 10;
