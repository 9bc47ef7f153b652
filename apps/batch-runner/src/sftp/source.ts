/** A file in the remote folder, as listed. `size` and `mtimeMs` identify its version. */
export interface RemoteFile {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
}

export interface DownloadOptions {
  onProgress?: (bytesDone: number) => void;
  signal?: AbortSignal;
}

/** Where Connect files come from: the SFTP server in production, a local folder in tests and the local stack. */
export interface FileSource {
  /** Regular files directly in `folder` (no recursion), in name order. */
  list(folder: string): Promise<RemoteFile[]>;
  /**
   * Downloads to localPath; if localPath already holds a prefix of the file, resumes from there.
   * Reconnects and resumes on a broken connection (bounded attempts). Fails with
   * SFTP_FILE_CHANGED when the remote file's size or mtime no longer match `file`.
   */
  download(file: RemoteFile, localPath: string, options?: DownloadOptions): Promise<void>;
  close(): Promise<void>;
}
