// Getting an access token for the bot account (README: "The Matrix bot account"): a password
// login through matrix-bot-sdk. Each call creates a new device; keep the token, not the password.
import { MatrixAuth } from 'matrix-bot-sdk';

export interface MatrixLogin {
  userId: string;
  accessToken: string;
  homeserverUrl: string;
}

export async function loginWithPassword(homeserverUrl: string, username: string, password: string, deviceName = 'threaddesk'): Promise<MatrixLogin> {
  try {
    const client = await new MatrixAuth(homeserverUrl.replace(/\/+$/, '')).passwordLogin(username, password, deviceName);
    return { userId: await client.getUserId(), accessToken: client.accessToken, homeserverUrl: client.homeserverUrl };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(`Logging in to ${homeserverUrl} as ${username} failed (${detail}): check the homeserver URL, the user name and the password.`);
  }
}
