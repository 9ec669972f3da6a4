import { logMaxBytesSchema } from '#contract/job';
import { defineSetting } from '#core/setting';

/** 5 MiB: weeks of a training script's progress lines, a few seconds of a runaway one. */
export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;

export const logMaxBytesSetting = defineSetting<number>({
  key: 'job.logMaxBytes',
  schema: logMaxBytesSchema,
  default: () => DEFAULT_LOG_MAX_BYTES,
  version: 1,
  since: '0.1.0',
  doc: "The most bytes a job's log.txt grows to before it becomes log.1.txt (the older one is deleted): a job's logs take at most twice this on disk. From 65 536 to 1 073 741 824 bytes.",
});

export const jobSettings = [logMaxBytesSetting];
