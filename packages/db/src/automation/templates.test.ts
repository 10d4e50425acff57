import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

describe('templates repository', async () => {
  const { repos, make } = await useTestDatabase();
  const templates = repos.templates;

  it('creates a template with defaults and reads it back', async () => {
    const t = await templates.create({
      name: 'show-int',
      body: 'show interface {{ ifname }}',
      variables: { ifname: { type: 'string', pattern: '^[A-Za-z0-9/.-]+$' } },
    });
    expect(t).toMatchObject({
      name: 'show-int',
      mode: 'read',
      enabled: true,
      notes: null,
      commandTimeoutMs: null,
      variables: { ifname: { type: 'string', required: true, pattern: '^[A-Za-z0-9/.-]+$' } },
    });
    expect(await templates.get(t.id)).toEqual(t);
    expect(await templates.findByName('show-int')).toEqual(t);
  });

  it('refuses a duplicate name', async () => {
    await make.template({ name: 'dup' });
    await expect(make.template({ name: 'dup' })).rejects.toThrow(
      new ConflictError('a template with this name already exists', ['name']),
    );
  });

  it('refuses a body that uses an undeclared variable, on create and on update', async () => {
    const error = await templates
      .create({ name: 'undeclared', body: 'ping {{ host }}', variables: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      body: ['placeholder {{host}} is not a declared variable'],
    });
    const t = await make.template();
    await expect(templates.update(t.id, { body: 'ping {{ host }}' })).rejects.toThrow(
      ValidationError,
    );
    expect((await templates.get(t.id)).body).toBe(t.body);
  });

  it('refuses a bad mode, a bad variable and an invalid pattern', async () => {
    await expect(make.template({ mode: 'write' as never })).rejects.toThrow(ValidationError);
    await expect(
      make.template({ variables: { 'bad name': { type: 'string' } } as never }),
    ).rejects.toThrow(ValidationError);
    await expect(
      make.template({ variables: { name: { type: 'string', pattern: '([' } } }),
    ).rejects.toThrow(/pattern must be a valid regular expression/);
  });

  it('updates fields, filters the list and deletes', async () => {
    const t = await make.template({ name: 'conf-desc', mode: 'change' });
    const u = await templates.update(t.id, {
      enabled: false,
      notes: 'careful',
      variables: {
        name: { type: 'string' },
        extra: { type: 'integer', required: false, default: 1 },
      },
    });
    expect(u).toMatchObject({ enabled: false, notes: 'careful', mode: 'change' });
    expect(Object.keys(u.variables)).toEqual(['name', 'extra']);
    expect((await templates.get(t.id)).variables.extra).toMatchObject({
      type: 'integer',
      default: 1,
    });
    expect((await templates.list({ mode: 'change' })).map((x) => x.name)).toEqual(['conf-desc']);
    expect((await templates.list({ enabled: false })).map((x) => x.name)).toEqual(['conf-desc']);
    expect((await templates.list({ q: 'CONF' })).map((x) => x.name)).toEqual(['conf-desc']);
    await templates.delete(t.id);
    await expect(templates.get(t.id)).rejects.toThrow(NotFoundError);
    await expect(templates.update(t.id, { notes: 'x' })).rejects.toThrow(NotFoundError);
  });

  it('keeps runs made from a deleted template, with no template', async () => {
    const t = await make.template();
    const run = await make.run({ templateId: t.id, command: 'show interface Gi0/1' });
    await templates.delete(t.id);
    const after = await repos.runs.get(run.id);
    expect(after.templateId).toBeNull();
    expect(after.command).toBe('show interface Gi0/1');
  });
});
