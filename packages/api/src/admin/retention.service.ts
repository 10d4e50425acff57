import type { RetentionLimits, RetentionPreview } from '@netauto/schema';
import type { Store, Uses } from '../store.js';

/** What the daily purge of run history would delete now. */
export class RetentionService {
  constructor(
    private readonly store: Store<Uses<{ retention: 'preview' }>>,
    private readonly limits: RetentionLimits,
  ) {}

  preview(): Promise<RetentionPreview> {
    return this.store.repos.retention.preview(this.limits);
  }
}
