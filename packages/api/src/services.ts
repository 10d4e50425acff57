import { repositories, type Database } from '@netauto/db';
import { OutputHub } from '@netauto/runner';
import type { AuditEvent, AuditListInput, Page } from '@netauto/schema';
import { UsersService } from './admin/users.service.js';
import { AuthService } from './auth/auth.service.js';
import { RunsService } from './automation/runs.service.js';
import { TemplatesService } from './automation/templates.service.js';
import type { AuthSettings } from './env.js';
import { DevicesService } from './inventory/devices.service.js';
import { GroupsService } from './inventory/groups.service.js';

export class AuditService {
  constructor(private readonly db: Database) {}
  list(input: AuditListInput): Promise<Page<AuditEvent>> {
    return repositories(this.db).audit.list(input);
  }
}

export interface Services {
  db: Database;
  /** Wakes followers of runs in this process; stop it when the process ends. */
  hub: OutputHub;
  auth: AuthService;
  users: UsersService;
  devices: DevicesService;
  groups: GroupsService;
  templates: TemplatesService;
  runs: RunsService;
  audit: AuditService;
}

export function createServices(db: Database, settings: AuthSettings): Services {
  const hub = new OutputHub(db.url);
  return {
    hub,
    db,
    auth: new AuthService(db, settings),
    users: new UsersService(db),
    devices: new DevicesService(db),
    groups: new GroupsService(db),
    templates: new TemplatesService(db),
    runs: new RunsService(db, hub),
    audit: new AuditService(db),
  };
}
