/**
 * The settings of file pushes (src/files/file-push-service.ts; docs/file-pushes.md). Spread into the settings
 * list in settings.ts; mapped to a FilePushPolicy by `filePushPolicy`. Lifetimes and views come from the
 * `PASSDROP_FILE_*` kind settings like every other kind.
 */
import { booleanSetting, integerSetting } from './setting-definitions.js';

const GROUP = 'Pushes: file';
const MIB = 1024 * 1024;
const TIB = 1024 * 1024 * MIB;

export const filePushSettings = {
  PASSDROP_FILE_PUSHES_ANONYMOUS: booleanSetting(
    'PASSDROP_FILE_PUSHES_ANONYMOUS',
    GROUP,
    "Whether people without an account may create file pushes (Password Pusher's rule: false, file pushes need an account, even when PASSDROP_ALLOW_ANONYMOUS is true)",
    false,
  ),
  PASSDROP_FILE_MAX_FILES: integerSetting('PASSDROP_FILE_MAX_FILES', GROUP, 'Most files one push may hold', 10, { min: 1, max: 1000 }),
  PASSDROP_FILE_MAX_FILE_MIB: integerSetting('PASSDROP_FILE_MAX_FILE_MIB', GROUP, 'Largest file accepted, in MiB; larger uploads are stopped with 413', 10 * 1024, {
    min: 1,
    max: TIB / MIB,
  }),
  PASSDROP_FILE_MAX_PUSH_MIB: integerSetting('PASSDROP_FILE_MAX_PUSH_MIB', GROUP, 'Largest total of all files of one push, in MiB; larger uploads are stopped with 413', 20 * 1024, {
    min: 1,
    max: TIB / MIB,
  }),
  PASSDROP_FILE_ACCOUNT_QUOTA_MIB: integerSetting(
    'PASSDROP_FILE_ACCOUNT_QUOTA_MIB',
    GROUP,
    "Most MiB of files one account may keep in live pushes at once (0: no quota); uploads past it are stopped with 413. Anonymous uploads (when allowed) count against PASSDROP_FILE_MAX_PUSH_MIB only",
    50 * 1024,
    { min: 0, max: TIB / MIB },
  ),
  PASSDROP_FILE_MIN_FREE_DISK_MIB: integerSetting(
    'PASSDROP_FILE_MIN_FREE_DISK_MIB',
    GROUP,
    'With disk storage: uploads are refused with 507 when the file directory\'s disk has less than this many MiB free, and stopped when a file would take it below (0: no floor)',
    1024,
    { min: 0, max: TIB / MIB },
  ),
  PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES: integerSetting(
    'PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES',
    GROUP,
    "What a view of a file push buys: how long its download links work, in minutes. The files stay until the last view's window ends, even when that view used the push's last count",
    15,
    { min: 1, max: 1440 },
  ),
  PASSDROP_FILE_ABANDONED_UPLOAD_HOURS: integerSetting(
    'PASSDROP_FILE_ABANDONED_UPLOAD_HOURS',
    GROUP,
    'Uploads that never became part of a push (a dropped connection, a crashed process) are deleted after this many hours',
    24,
    { min: 1, max: 8760 },
  ),
};

/** What the file push service enforces, from the settings above. Sizes in bytes, times in milliseconds. */
export interface FilePushPolicy {
  readonly anonymous: boolean;
  readonly maxFiles: number;
  readonly maxFileBytes: number;
  readonly maxPushBytes: number;
  /** 0: no quota. */
  readonly accountQuotaBytes: number;
  /** 0: no floor. */
  readonly minFreeDiskBytes: number;
  readonly downloadWindowMs: number;
  readonly abandonedUploadMs: number;
}

type FilePushSettingValues = { [K in keyof typeof filePushSettings]: (typeof filePushSettings)[K]['defaultValue'] };

/** Builds the policy; adds a problem when one file may be larger than a whole push. */
export function filePushPolicy(v: FilePushSettingValues, problems: string[]): FilePushPolicy {
  if (v.PASSDROP_FILE_MAX_FILE_MIB > v.PASSDROP_FILE_MAX_PUSH_MIB) {
    problems.push(`PASSDROP_FILE_MAX_FILE_MIB (${v.PASSDROP_FILE_MAX_FILE_MIB}) must not be greater than PASSDROP_FILE_MAX_PUSH_MIB (${v.PASSDROP_FILE_MAX_PUSH_MIB})`);
  }
  return {
    anonymous: v.PASSDROP_FILE_PUSHES_ANONYMOUS,
    maxFiles: v.PASSDROP_FILE_MAX_FILES,
    maxFileBytes: v.PASSDROP_FILE_MAX_FILE_MIB * MIB,
    maxPushBytes: v.PASSDROP_FILE_MAX_PUSH_MIB * MIB,
    accountQuotaBytes: v.PASSDROP_FILE_ACCOUNT_QUOTA_MIB * MIB,
    minFreeDiskBytes: v.PASSDROP_FILE_MIN_FREE_DISK_MIB * MIB,
    downloadWindowMs: v.PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES * 60_000,
    abandonedUploadMs: v.PASSDROP_FILE_ABANDONED_UPLOAD_HOURS * 3_600_000,
  };
}
