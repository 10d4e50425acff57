import type { Identity } from '@netauto/api';
import type { UserRole } from '@netauto/schema';
import type { Api } from '$lib/server/api';

declare global {
  namespace App {
    interface Locals {
      /** Who is signed in, from the session cookie; null when nobody is. */
      identity: Identity | null;
      /** The API as this request's caller: every call checks the caller's role. */
      api: Api;
    }
    interface PageData {
      me?: { email: string; role: UserRole } | null;
    }
    interface Error {
      message: string;
    }
  }
}

export {};
