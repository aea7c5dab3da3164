// Every status × every operation, against a matrix written out by hand from SPEC §3 and seed
// 001 — not derived from the code, so a change to the lifecycle table has to change this too.
import { describe, expect, it } from 'vitest';
import { OPERATIONS, STATE_OF, STATUSES, transition, type Operation, type Status } from '../../src/domain/lifecycle.js';
import { DomainError } from '../../src/domain/errors.js';

// `-` = refused; `=` = allowed, status unchanged; otherwise the new status.
const EXPECTED = `
op               open         in_progress  waiting      closed   spam     archived  deleted
claim            in_progress  in_progress  in_progress  -        -        -         -
assign           in_progress  in_progress  in_progress  -        -        -         -
release          =            open         =            -        -        -         -
set_open         -            open         open         -        -        -         -
set_in_progress  in_progress  -            in_progress  -        -        -         -
wait             waiting      waiting      -            -        -        -         -
close            closed       closed       closed       -        -        -         -
reopen           -            -            -            open     open     open      open
spam             spam         spam         spam         spam     -        -         -
archive          -            -            -            archived archived -         -
delete           deleted      deleted      deleted      deleted  deleted  deleted   -
transfer         =            =            =            =        -        -         -
priority         =            =            =            =        -        -         -
merge            closed       closed       closed       =        -        -         -
link             =            =            =            =        =        =         -
cc               =            =            =            =        -        -         -
field            =            =            =            =        =        =         -
tag              =            =            =            =        =        =         -
note             =            =            =            =        =        =         -
reply            in_progress  =            =            =        -        -         -
customer_message =            =            =            open     =        -         -
`;

function expectedMatrix(): Map<Operation, Map<Status, string>> {
  const [header, ...rows] = EXPECTED.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const statuses = header!.slice(1) as Status[];
  return new Map(rows.map((cells) => [cells[0] as Operation, new Map(statuses.map((s, i) => [s, cells[i + 1]!]))]));
}

describe('the lifecycle table', () => {
  const matrix = expectedMatrix();

  it('covers every operation and every status of SPEC §3', () => {
    expect([...matrix.keys()].sort()).toEqual([...OPERATIONS].sort());
    expect([...matrix.get('claim')!.keys()]).toEqual([...STATUSES]);
  });

  for (const op of OPERATIONS) {
    for (const from of STATUSES) {
      const cell = matrix.get(op)!.get(from)!;
      if (cell === '-') {
        it(`refuses ${op} on a ${from} ticket with a clear message`, () => {
          let error: unknown;
          try {
            transition(op, from);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe('invalid_transition');
          expect((error as DomainError).message).toMatch(/^Cannot .+: .+\.$/);
        });
      } else {
        const to = cell === '=' ? from : cell;
        it(`${op} on a ${from} ticket leads to ${to}`, () => {
          expect(transition(op, from)).toBe(to);
        });
      }
    }
  }

  it('maps statuses to the states of SPEC §3', () => {
    expect(STATE_OF).toEqual({
      open: 'open',
      in_progress: 'open',
      waiting: 'open',
      closed: 'closed',
      spam: 'closed',
      archived: 'archived',
      deleted: 'deleted',
    });
  });

  it('tells the user to reopen a closed ticket before claiming it', () => {
    expect(() => transition('claim', 'closed')).toThrow(/closed; reopen it first/);
  });
});
