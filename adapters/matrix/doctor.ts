// `threaddesk doctor` for Matrix: does the access token log in (whoami), and for every room a
// department is bound to: is the bot joined, and is the room unencrypted (encrypted rooms are not
// supported)? Each failing finding says what to do.
import type { MatrixApi } from './api.js';

export interface DoctorFinding {
  check: string;
  ok: boolean;
  detail: string;
}

export const ENCRYPTED_ROOM_HELP =
  'threaddesk does not support end-to-end encrypted Matrix rooms yet: create an unencrypted room for the department (encryption cannot be turned off in an existing room), invite the bot, and configure the new room id';

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function roomFinding(api: MatrixApi, userId: string, joined: Set<string>, roomId: string): Promise<DoctorFinding> {
  const check = `matrix: room ${roomId}`;
  if (roomId.startsWith('#')) {
    let hint = 'it could not be resolved on this homeserver';
    try {
      hint = `configure ${await api.client.resolveRoom(roomId)} instead`;
    } catch {
      // the hint above stands
    }
    return { check, ok: false, detail: `${roomId} is a room alias; threaddesk needs the room id (starting with "!"): ${hint}` };
  }
  if (!joined.has(roomId)) {
    // The API does not show a pending invitation outside /sync, so the advice covers both cases.
    return {
      check, ok: false,
      detail: `the bot ${userId} has not joined ${roomId} (or the room does not exist): invite it from a Matrix client with /invite ${userId}; threaddesk accepts invitations to configured rooms while it runs`,
    };
  }
  const [encryption, name] = await Promise.all([api.state(roomId, 'm.room.encryption'), api.state(roomId, 'm.room.name').catch(() => null)]);
  const label = typeof name?.name === 'string' && name.name ? `"${name.name}" (${roomId})` : roomId;
  if (encryption) return { check, ok: false, detail: `${label} is end-to-end encrypted: ${ENCRYPTED_ROOM_HELP}` };
  return { check, ok: true, detail: `the bot is a member of ${label}, which is not encrypted` };
}

export async function runDoctor(api: MatrixApi, homeserverUrl: string, roomIds: string[]): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  let userId: string;
  try {
    const who = await api.whoami();
    userId = who.user_id;
    findings.push({ check: 'matrix: login', ok: true, detail: `logged in to ${homeserverUrl} as ${userId}${who.device_id ? ` (device ${who.device_id})` : ''}` });
  } catch (err) {
    findings.push({ check: 'matrix: login', ok: false, detail: `${reason(err)} Room checks skipped.` });
    return findings;
  }
  let joined: Set<string>;
  try {
    joined = new Set(await api.joinedRooms());
  } catch (err) {
    findings.push({ check: 'matrix: rooms', ok: false, detail: `listing the joined rooms failed: ${reason(err)}` });
    return findings;
  }
  for (const roomId of roomIds) {
    try {
      findings.push(await roomFinding(api, userId, joined, roomId));
    } catch (err) {
      findings.push({ check: `matrix: room ${roomId}`, ok: false, detail: reason(err) });
    }
  }
  return findings;
}
