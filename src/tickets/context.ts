// What every use case needs: the database, the settings from the config, and a clock.
import type { Db } from '../db/create-db.js';
import type { NumberFormat } from '../domain/numbering.js';

export interface TicketSettings {
  numbering: NumberFormat;
  subjectToken: string;
  /** Seconds a public reply written in chat waits before it is mailed (edit/delete to undo). */
  undoSeconds: number;
}

export interface TicketContext {
  db: Db;
  settings: TicketSettings;
  now(): Date;
}

export const DEFAULT_SETTINGS: TicketSettings = {
  numbering: { prefix: '', format: '{date}{seq:6}' },
  subjectToken: '#',
  undoSeconds: 30,
};

export function ticketContext(db: Db, settings: Partial<TicketSettings> = {}, now: () => Date = () => new Date()): TicketContext {
  return { db, settings: { ...DEFAULT_SETTINGS, ...settings }, now };
}
