import { repositories, type Database } from '@netauto/db';
import type { RetentionLimits, RetentionPreview } from '@netauto/schema';

/** What the daily purge of run history would delete now. */
export class RetentionService {
  constructor(
    private readonly db: Database,
    private readonly limits: RetentionLimits,
  ) {}

  preview(): Promise<RetentionPreview> {
    return repositories(this.db).retention.preview(this.limits);
  }
}
