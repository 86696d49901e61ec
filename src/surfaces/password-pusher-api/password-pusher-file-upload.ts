import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FilePushService, FileUpload, UploadRefusal } from '../../files/file-push-service.js';
import { refusalBody } from './password-pusher-bodies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The file push this request is uploading (multipart `files[]` parts), until the push is created. */
    fileUpload?: FileUpload;
  }
}

/** Stops a multipart request: the status and Password Pusher-style body to answer with. */
export class FileUploadStopped extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.error === 'string' ? body.error : 'upload stopped');
    this.name = 'FileUploadStopped';
  }
}

/** `files[]` under any root key (`file_push[files][]`, `password[files][]`, `push[files][]`) or bare. */
const FILES_FIELD = /^(?:[a-z_]+\[files\](?:\[\d*\])?|files(?:\[\d*\])?)$/;

/** A limit's answer: Password Pusher's 422 for too many files, else the limit's own status and words. */
export function refusalReply(refusal: UploadRefusal): FileUploadStopped {
  if (refusal.limit === 'too_many_files') return new FileUploadStopped(422, { files: [refusal.message] });
  return new FileUploadStopped(refusal.status, { error: refusal.message });
}

/**
 * The multipart `onFile` handler of the Password Pusher surface: each `files[]` part is streamed through
 * the file push service (the at-rest record format, into the blob store) as it arrives, so no file is
 * ever held whole in memory, whatever its size. The first part starts the upload (access, quota, disk
 * floor); a limit stops the request at once.
 */
export function receiveFilePart(files: FilePushService) {
  return async function onFile(this: FastifyRequest, part: MultipartFile): Promise<void> {
    if (!FILES_FIELD.test(part.fieldname)) {
      part.file.resume();
      throw new FileUploadStopped(422, { [part.fieldname]: ['is not a file field: send files as files[].'] });
    }
    if (!this.fileUpload) {
      const started = await files.startUpload(this.authentication);
      if (!started.ok) {
        part.file.resume();
        if ('refused' in started) {
          const refusal = refusalBody(started.refused);
          throw new FileUploadStopped(refusal.status, refusal.body);
        }
        throw refusalReply(started.refusal);
      }
      this.fileUpload = started.upload;
    }
    const added = await this.fileUpload.addFile({ filename: part.filename, contentType: part.mimetype, body: part.file });
    if (!added.ok) {
      part.file.resume();
      throw refusalReply(added.refusal);
    }
  };
}

/** Deletes what an upload wrote when its request ends without creating the push (refused, failed, cut off). */
export function abandonUnfinishedUploads(scope: FastifyInstance): void {
  const abandon = async (request: FastifyRequest) => {
    const upload = request.fileUpload;
    if (upload) {
      request.fileUpload = undefined;
      await upload.abandon();
    }
  };
  scope.addHook('onResponse', async (request) => abandon(request));
  scope.addHook('onRequestAbort', async (request) => abandon(request));
}

/** Answers a stopped upload in Password Pusher's words. */
export function sendStoppedUpload(reply: FastifyReply, error: FileUploadStopped): FastifyReply {
  // The rest of the request body is not read: the client learns at once, and the connection closes.
  return reply.code(error.status).header('connection', 'close').send(error.body);
}
