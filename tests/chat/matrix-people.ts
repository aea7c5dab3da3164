// People on the Matrix double, sending what Element sends: thread replies with the reply
// fallback relation, Matrix 1.10 media captions, edits with `m.new_content`, reactions as
// `m.annotation`, mentions as pills with `m.mentions`, and redactions.
import type { ChatAttachment } from '../../adapters/chat-port.js';
import type { Json, MatrixDouble } from '../doubles/matrix-double.js';

const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

export class MatrixPeople {
  constructor(private readonly double: MatrixDouble) {}

  /** The newest event of a thread, which Element names in the reply fallback. */
  private latestIn(roomId: string, root: string): string {
    const inThread = this.double.timeline(roomId).filter((s) => {
      const rel = asObj(s.event.content['m.relates_to']);
      return !s.redacted && rel?.rel_type === 'm.thread' && rel.event_id === root;
    });
    return inThread.at(-1)?.event.event_id ?? root;
  }

  private threadRelation(roomId: string, root: string): Json {
    return { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: this.latestIn(roomId, root) } };
  }

  /** A message in the thread; with files, one event per file (the first carries the text as caption). */
  threadMessage(userId: string, roomId: string, root: string, text: string, files: ChatAttachment[] = []): string {
    if (files.length === 0) {
      return this.double.inject(userId, roomId, 'm.room.message', { msgtype: 'm.text', body: text, 'm.mentions': {}, 'm.relates_to': this.threadRelation(roomId, root) });
    }
    let first = '';
    files.forEach((file, i) => {
      const url = this.double.addMedia(file.content, file.contentType, file.filename);
      const caption = i === 0 && text ? text : file.filename;
      const id = this.double.inject(userId, roomId, 'm.room.message', {
        msgtype: file.contentType.startsWith('image/') ? 'm.image' : 'm.file', body: caption, filename: file.filename, url,
        info: { mimetype: file.contentType, size: file.content.length }, 'm.mentions': {}, 'm.relates_to': this.threadRelation(roomId, root),
      });
      if (i === 0) first = id;
    });
    return first;
  }

  /** A message in the room's main timeline. */
  roomMessage(userId: string, roomId: string, text: string): string {
    return this.double.inject(userId, roomId, 'm.room.message', { msgtype: 'm.text', body: text, 'm.mentions': {} });
  }

  /** "<pill>: text" addressed to `target`, in a thread when `root` is given. */
  mention(userId: string, roomId: string, target: { userId: string; name: string }, text: string, root?: string): string {
    return this.double.inject(userId, roomId, 'm.room.message', {
      msgtype: 'm.text', body: `${target.name}: ${text}`, format: 'org.matrix.custom.html',
      formatted_body: `<a href="https://matrix.to/#/${target.userId}">${target.name}</a>: ${text}`,
      'm.mentions': { user_ids: [target.userId] }, ...(root ? { 'm.relates_to': this.threadRelation(roomId, root) } : {}),
    });
  }

  edit(userId: string, roomId: string, eventId: string, text: string): string {
    return this.double.inject(userId, roomId, 'm.room.message', {
      msgtype: 'm.text', body: `* ${text}`, 'm.new_content': { msgtype: 'm.text', body: text, 'm.mentions': {} },
      'm.relates_to': { rel_type: 'm.replace', event_id: eventId }, 'm.mentions': {},
    });
  }

  react(userId: string, roomId: string, eventId: string, key: string): string {
    return this.double.inject(userId, roomId, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } });
  }

  redact(userId: string, roomId: string, eventId: string): string {
    return this.double.redact(userId, roomId, eventId);
  }
}
