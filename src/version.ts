/** The converter version recorded in completion markers and output metadata (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
