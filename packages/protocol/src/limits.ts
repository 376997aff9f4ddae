// Limits of the Halo Integrator API that both sides enforce.
export const LIMITS = {
  immediateMaxResultBytes: 8 * 1024 * 1024,
  immediateExecutionMs: 60_000,
  registeredExecutionMs: 60_000,
  asyncExecutionMs: 5 * 60_000,
  immediateMaxTimeInQueueDefault: 30_000,
  immediateMaxTimeInQueueMax: 60_000,
  asyncMaxTimeInQueueDefault: 3_600_000,
  asyncMaxTimeInQueueMax: 7_200_000,
  /**
   * The largest text frame a Link takes from its Cloud. A query's command travels in one frame, so this is
   * above the Cloud's 4 MB request limit with room for the frame's own fields (Links before 26.1207.2 took 1 MiB).
   */
  linkFrameBytes: 8 * 1024 * 1024,
  /** Chunk size for result bytes on the wire: big enough to amortise framing, small enough to interleave. */
  chunkBytes: 64 * 1024,
  heartbeatIntervalMs: 60_000,
  /** Async result pages: about 1 MB each. */
  asyncPageBytes: 1024 * 1024,
  /** Async results are kept this long after completion, then 410 Gone. */
  asyncRetentionMs: 24 * 3600_000,
  registeredMinFrequencyS: 60,
  registeredMaxDurationS: 86_400,
  unreachableAfterMs: 120_000,
} as const;
