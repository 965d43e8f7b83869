import { type ErrorField } from '@webstream/contracts';

// The passwords every guessing list starts with; length and variety are checked by the contract.
const COMMON = new Set([
  'password1234',
  'password12345',
  'password123456',
  '123456789012',
  '1234567890123',
  'qwertyuiop123',
  'qwerty123456',
  'iloveyou1234',
  'administrator',
  'administrator1',
  'changeme1234',
  'welcome12345',
  'letmein12345',
  'abcdefghijkl',
  'abc123456789',
  'passw0rd1234',
]);

/** The checks that need context: not the user's own name, not a well-known password. */
export function passwordProblems(password: string, username: string, field = 'password'): ErrorField[] {
  const lower = password.toLowerCase();
  const problems: string[] = [];
  if (username.length >= 3 && lower.includes(username.toLowerCase())) {
    problems.push('must not contain the user name');
  }
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) {
    problems.push('is too common; choose a passphrase of a few unrelated words');
  }
  return problems.map((message) => ({ path: field, message }));
}
