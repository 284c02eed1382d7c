// What publishing needs of the department server, as an interface: electron/core/department/client.ts
// (DepartmentClient) implements it over HTTPS; the desktop hands its own connection in.
import type { MediaStatus } from '../department/media-store';
import type { PublishedReview, PublishOutcome, PublishPayload } from '../department/publish-payload';

export type { MediaStatus } from '../department/media-store';
export type { PublishedReview, PublishOutcome, PublishPayload } from '../department/publish-payload';

/** One part of a media file: bytes [start, end) of a file on disk (streamed) or of bytes in memory. */
export interface MediaPart {
  source: { file: string } | { bytes: Uint8Array };
  start: number;
  /** Exclusive. */
  end: number;
  /** The whole file's size. */
  total: number;
}

export interface UploadOptions {
  /** Aborts the request: the server keeps what it received (the offset to resume from). */
  signal?: AbortSignal;
  /** Bytes handed to the connection, chunk by chunk. */
  onBytes?: (bytes: number) => void;
}

export interface DepartmentPublishApi {
  /** What the server holds of each file (none, part of it, complete). */
  mediaStatuses(sha256: string[]): Promise<MediaStatus[]>;
  /** Sends one part; resolves with the server's status after it. A mismatching hash at the last byte is refused (422). */
  uploadMedia(sha256: string, part: MediaPart, options?: UploadOptions): Promise<MediaStatus>;
  /** The idempotent publish of a review whose video and frames are on the server. */
  publish(payload: PublishPayload): Promise<PublishOutcome>;
}

/** Also what a reader of the department needs (tests, the desktop's department view). */
export interface DepartmentPublishedApi {
  published(reviewId: number): Promise<PublishedReview>;
}
