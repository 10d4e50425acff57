import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { InvalidStateError } from '../errors.js';

// A file of its own: these tests count every admin in the database.
describe('active admins', async () => {
  const { repos, make } = await useTestDatabase();
  const users = repos.users;

  it('counts admins that are not disabled', async () => {
    expect(await users.countActiveAdmins()).toBe(0);
    const first = await make.account({ role: 'admin' });
    await make.account({ role: 'operator' });
    await make.account({ role: 'viewer' });
    expect(await users.countActiveAdmins()).toBe(1);
    const second = await make.account({ role: 'admin' });
    expect(await users.countActiveAdmins()).toBe(2);
    await users.update(second.id, { disabled: true });
    expect(await users.countActiveAdmins()).toBe(1);
    await users.update(second.id, { disabled: false });
    await users.update(first.id, { role: 'operator' });
    expect(await users.countActiveAdmins()).toBe(1);
    await users.update(first.id, { role: 'admin' });
    expect(await users.countActiveAdmins()).toBe(2);
  });

  it('never demotes or disables the last active admin', async () => {
    const admins = await users.list({ role: 'admin', disabled: false });
    for (const a of admins.slice(1)) await users.update(a.id, { role: 'viewer' });
    const last = admins[0];
    if (!last) throw new Error('no admin');
    expect(await users.countActiveAdmins()).toBe(1);
    await expect(users.update(last.id, { role: 'operator' })).rejects.toThrow(InvalidStateError);
    await expect(users.update(last.id, { disabled: true })).rejects.toThrow(
      `${last.email} is the last active admin and cannot be demoted or disabled`,
    );
    // Other changes to the last admin are fine.
    expect((await users.update(last.id, { role: 'admin', email: 'root@example.net' })).email).toBe(
      'root@example.net',
    );
    expect(await users.countActiveAdmins()).toBe(1);
  });

  it('lets only one of two concurrent demotions of the last two admins pass', async () => {
    const extra = await make.account({ role: 'admin' });
    const [only] = (await users.list({ role: 'admin', disabled: false })).filter(
      (a) => a.id !== extra.id,
    );
    if (!only) throw new Error('no admin');
    expect(await users.countActiveAdmins()).toBe(2);
    const results = await Promise.allSettled([
      users.update(only.id, { disabled: true }),
      users.update(extra.id, { role: 'viewer' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(InvalidStateError);
    expect(await users.countActiveAdmins()).toBe(1);
  });
});
