import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, InvalidStateError, repositories, ValidationError } from '@netauto/db';
import {
  isTerminalRunStatus,
  renderTemplate,
  type ChunkRange,
  type Page,
  type Run,
  type RunChunk,
  type RunCreateInput,
  type RunDetail,
  type RunListInput,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import type { Identity } from '../context.js';

export class RunsService {
  constructor(private readonly db: Database) {}

  /**
   * Records a pending run of a command, or of a template rendered with its variables.
   * A disabled template is refused; a change-mode template marks the run.
   */
  async create(actor: Identity, input: RunCreateInput): Promise<Run> {
    return audited(
      this.db,
      actorOf(actor),
      'runs.create',
      async (repos) => {
        await repos.devices.get(input.deviceId);
        if ('command' in input) {
          return repos.runs.create({
            deviceId: input.deviceId,
            command: input.command,
            requestedBy: actor.user.id,
            requestedByEmail: actor.user.email,
          });
        }
        const template = await repos.templates.get(input.templateId);
        if (!template.enabled) {
          throw new InvalidStateError(`template ${template.name} is disabled`);
        }
        const rendered = renderTemplate(template, input.variables ?? {});
        if (!rendered.ok) {
          throw new ValidationError(
            Object.values(rendered.fieldErrors).flat().join('; '),
            rendered.fieldErrors,
          );
        }
        return repos.runs.create({
          deviceId: input.deviceId,
          templateId: template.id,
          command: rendered.command,
          mode: template.mode,
          requestedBy: actor.user.id,
          requestedByEmail: actor.user.email,
        });
      },
      (r) => ({
        type: 'run',
        id: r.id,
        summary: {
          deviceId: r.deviceId,
          templateId: r.templateId,
          mode: r.mode,
          command: r.command,
        },
      }),
    );
  }

  list(input: RunListInput): Promise<Page<Run>> {
    return repositories(this.db).runs.list(input);
  }

  byId(id: number): Promise<RunDetail> {
    return repositories(this.db).runs.get(id, { device: true, template: true });
  }

  async chunks(input: ChunkRange): Promise<RunChunk[]> {
    const repos = repositories(this.db);
    await repos.runs.get(input.runId);
    return repos.chunks.list(input.runId, input.afterSeq ?? -1, input.limit ?? 100);
  }

  async output(id: number): Promise<string> {
    const repos = repositories(this.db);
    await repos.runs.get(id);
    return repos.chunks.text(id);
  }

  /**
   * The run now, then again each time its status or counters change, until it ends
   * (checked every `intervalMs`). Stops when `signal` aborts.
   */
  async *watch(id: number, signal: AbortSignal | undefined, intervalMs = 500): AsyncGenerator<Run> {
    const repos = repositories(this.db);
    let last = '';
    for (;;) {
      const run = await repos.runs.get(id);
      const key = `${run.status}|${run.updatedAt}`;
      if (key !== last) {
        last = key;
        yield run;
      }
      if (isTerminalRunStatus(run.status)) return;
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  /** Cancels a pending run: it will never start. */
  cancel(actor: Identity, id: number): Promise<Run> {
    return audited(
      this.db,
      actorOf(actor),
      'runs.cancel',
      async (repos) => {
        // One statement, so that a run a worker starts meanwhile is never marked canceled.
        return repos.runs.finish(
          id,
          { status: 'error', reason: 'canceled', message: `canceled by ${actor.user.email}` },
          ['pending'],
        );
      },
      (r) => ({ type: 'run', id: r.id }),
    );
  }
}
