// The MongoDB RegistryStore: one document per model version in `models` (`_id` = name@version) and
// one document per pointer move in `model_promotions` (`_id` = name#seq): the newest move is the pointer.
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { GatewayError, systemClock, type Clock } from '../core';
import { checkEntry, checkPromotable, entryKey, promotePointer, rollbackPointer, type PointerMove, type PromotionPointer } from './file-registry-state';
import type { ModelEntry, ModelStatus, RegistryStore } from './types';

export interface MongoRegistryStoreOptions {
  db: Db;
  collections?: { models?: string; promotions?: string };
  clock?: Clock;
}

type ModelDoc = Omit<ModelEntry, 'origin'> & { _id: string; updatedAt: Date };
/** One move; its `stack` is the promotion stack after the move. */
type MoveDoc = PointerMove & { _id: string; name: string; seq: number; stack: string[] };

const DUPLICATE_KEY = 11000;
const MAX_ATTEMPTS = 20;

function toEntry({ _id, updatedAt, ...rest }: ModelDoc): ModelEntry {
  return { ...rest, origin: 'store' };
}

export class MongoRegistryStore implements RegistryStore {
  readonly models: Collection<ModelDoc>;
  readonly moves: Collection<MoveDoc>;
  private readonly clock: Clock;

  constructor({ db, collections = {}, clock = systemClock }: MongoRegistryStoreOptions) {
    this.models = db.collection<ModelDoc>(collections.models ?? 'models');
    this.moves = db.collection<MoveDoc>(collections.promotions ?? 'model_promotions');
    this.clock = clock;
  }

  /** Lookups by name, alias and file hash (for `models verify` and duplicate imports). */
  async ensureIndexes(): Promise<void> {
    await this.models.createIndex({ name: 1, version: 1 });
    await this.models.createIndex({ aliases: 1 });
    await this.models.createIndex({ 'provenance.sha256': 1 });
    await this.moves.createIndex({ name: 1, seq: -1 });
  }

  async list(): Promise<ModelEntry[]> {
    return (await this.models.find({}).sort({ name: 1, version: 1 }).toArray()).map(toEntry);
  }

  async get(name: string, version: string): Promise<ModelEntry | undefined> {
    const doc = await this.models.findOne({ _id: entryKey(name, version) });
    return doc ? toEntry(doc) : undefined;
  }

  async upsert(entry: ModelEntry): Promise<void> {
    checkEntry(entry);
    const { origin: _origin, ...fields } = entry;
    // JSON round trip drops `undefined` fields, which BSON would store as null.
    const doc = {
      ...(JSON.parse(JSON.stringify(fields)) as Omit<ModelEntry, 'origin'>),
      _id: entryKey(entry.name, entry.version),
      updatedAt: new Date(this.clock.now()),
    };
    await this.models.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  async promoted(name: string): Promise<string | undefined> {
    return (await this.latestMove(name))?.version;
  }

  /** Every move of `name`'s pointer, oldest first (never rewritten). */
  async history(name: string): Promise<PointerMove[]> {
    const docs = await this.moves.find({ name }).sort({ seq: 1 }).toArray();
    return docs.map(({ action, version, previous, by, at }) => ({ action, version, ...(previous === undefined ? {} : { previous }), by, at }));
  }

  private latestMove(name: string): Promise<MoveDoc | null> {
    return this.moves.find({ name }).sort({ seq: -1 }).limit(1).next();
  }

  async promote(name: string, version: string, by: string): Promise<string | undefined> {
    checkPromotable(name, version, await this.get(name, version));
    let previous: string | undefined;
    await this.move(name, (current) => {
      previous = current?.version;
      return current?.version === version ? undefined : promotePointer(current, version, by, this.now());
    });
    return previous;
  }

  async rollback(name: string, by: string): Promise<string> {
    const usable = new Set(
      (
        await this.models
          .find({ name, status: { $ne: 'retired' } })
          .project<{ version: string }>({ version: 1 })
          .toArray()
      ).map((d) => d.version),
    );
    let target = '';
    await this.move(name, (current) => {
      const next = rollbackPointer(name, current, by, this.now(), (v) => usable.has(v));
      target = next.version;
      return next;
    });
    return target;
  }

  async setStatus(name: string, version: string, status: ModelStatus): Promise<void> {
    const res = await this.models.updateOne({ _id: entryKey(name, version) }, { $set: { status, updatedAt: new Date(this.clock.now()) } });
    if (res.matchedCount === 0) throw new GatewayError('model_not_found', `model ${entryKey(name, version)} is not in the registry`);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Appends the next move as `name#seq`: the unique `_id` is the compare-and-set, so two admins
   * promoting at once never interleave their stacks (FerretDB's filtered updates are not atomic,
   * its `_id` index is). `next` returning undefined means "nothing to change".
   */
  private async move(name: string, next: (current: PromotionPointer | undefined) => PromotionPointer | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const last = await this.latestMove(name);
      const updated = next(last ? { version: last.version, stack: last.stack, history: [] } : undefined);
      if (!updated) return;
      const seq = (last?.seq ?? 0) + 1;
      const move = updated.history.at(-1)!;
      try {
        await this.moves.insertOne({ _id: `${name}#${seq}`, name, seq, stack: updated.stack, ...(JSON.parse(JSON.stringify(move)) as PointerMove) });
        return;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new GatewayError('internal_error', `could not move the promotion pointer of ${name}: too much contention`);
  }
}
