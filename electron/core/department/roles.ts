// Who may do what in a department library. The reviewer roles are the app's (electron/api ReviewerRole); a
// department adds the administrator, who creates the accounts.
//   resident   reviews and annotates; cannot sign a review off
//   attending  reviews, annotates, signs off and reopens
//   educator   reviews and annotates (teaching); cannot sign off
//   admin      everything, and the only one who creates accounts
import { WorkstationError } from '../../api/errors';
import { REVIEWER_ROLE_LABELS, ReviewerRole } from '../../api/schemas';

export const ROLES = [...ReviewerRole.options, 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = { ...REVIEWER_ROLE_LABELS, admin: 'Administrator' };

/** The signed-in user every store call acts as. */
export interface LibraryUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
}

const SIGNS_OFF: readonly Role[] = ['attending', 'admin'];

export function canSignOff(role: Role): boolean {
  return SIGNS_OFF.includes(role);
}

export function requireSignOff(user: LibraryUser, what: 'sign off' | 'reopen'): void {
  if (!canSignOff(user.role)) {
    throw new WorkstationError(
      'forbidden',
      `Only an attending surgeon or an administrator can ${what} a review; you are signed in as ${ROLE_LABELS[user.role].toLowerCase()}. Ask an attending to ${what} it.`,
    );
  }
}

export function requireAdmin(user: LibraryUser, what: string): void {
  if (user.role !== 'admin') throw new WorkstationError('forbidden', `Only an administrator can ${what}.`);
}
