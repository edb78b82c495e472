import { ObjectExistsError, type Storage } from '../storage/types.js';

/**
 * Claims on source objects, for converters that run side by side without the lake's convert lock (Lambda
 * invocations). Coalesced files are shared by many objects, so two invocations converting one object at once
 * (S3 notifies at least once: a duplicate can land in another batch) would both publish its rows. Before it
 * converts an object, an invocation creates its claim exclusively; one that finds a live claim leaves the
 * object to its holder. A claim is removed once its object's checkpoint has run; a holder that died leaves
 * one behind, which counts as abandoned after CLAIM_STALE_MS (longer than a Lambda runs).
 */
export const CLAIMS_PREFIX = '_flowlake/claims/';
export const CLAIM_STALE_MS = 20 * 60_000;

interface Claim {
  readonly holder: string;
  readonly claimedAt: string;
}

export function claimKey(sourceKey: string): string {
  return `${CLAIMS_PREFIX}${sourceKey}.json`;
}

/** Claims `sourceKey` for `holder`; resolves with the live holder's name when someone else has it. */
export async function claimObject(
  dest: Storage,
  sourceKey: string,
  holder: string,
  now = Date.now(),
): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly holder: string }> {
  const key = claimKey(sourceKey);
  const body = JSON.stringify({ holder, claimedAt: new Date(now).toISOString() } satisfies Claim);
  for (let attempt = 0; ; attempt++) {
    try {
      await dest.writeSmall(key, body, { contentType: 'application/json', ifNoneMatch: '*' });
      return { claimed: true };
    } catch (err) {
      if (!(err instanceof ObjectExistsError)) throw err;
    }
    const existing = readClaim(await dest.readSmall(key));
    const claimedAt = existing ? Date.parse(existing.claimedAt) : Number.NaN;
    const live = existing && Number.isFinite(claimedAt) && now - claimedAt < CLAIM_STALE_MS;
    // An abandoned (or unreadable) claim is removed once, then created again exclusively: of two takers, one wins.
    if (live || attempt > 0) return { claimed: false, holder: existing?.holder ?? 'another converter' };
    await dest.remove(key);
  }
}

export async function releaseClaim(dest: Storage, sourceKey: string): Promise<void> {
  await dest.remove(claimKey(sourceKey));
}

function readClaim(body: Buffer | undefined): Claim | undefined {
  if (!body || body.length > 4096) return undefined;
  try {
    const claim = JSON.parse(body.toString('utf8')) as Partial<Claim>;
    return typeof claim.holder === 'string' && typeof claim.claimedAt === 'string'
      ? { holder: claim.holder, claimedAt: claim.claimedAt }
      : undefined;
  } catch {
    return undefined;
  }
}
