// The agent doors' stored responses in MongoDB's `responses` collection: `_id` = response id, one
// owning principal per document; keys escaped as for records, so any JSON the door keeps fits.
import { MongoServerError, type Collection, type Document } from 'mongodb';
import { plainValue, safeKeys } from './mongo-mapping';
import { ResponseIdTakenError, type JsonValue, type ResponseStore, type StoredResponse } from './responses';

const DUPLICATE_KEY = 11000;

interface ResponseDoc extends Document {
  _id: string;
  principalId: string;
  time: Date;
  previousResponseId?: string;
  response: Document;
  inputItems: unknown[];
}

export class MongoResponseStore implements ResponseStore {
  constructor(private readonly coll: Collection<ResponseDoc>) {}

  async ensureIndexes(): Promise<void> {
    await this.coll.createIndex({ time: 1 });
  }

  async put(id: string, principalId: string, doc: StoredResponse): Promise<void> {
    const stored: ResponseDoc = {
      _id: id,
      principalId,
      time: new Date(doc.createdAt),
      ...(doc.previousResponseId === undefined ? {} : { previousResponseId: doc.previousResponseId }),
      response: safeKeys(doc.response),
      inputItems: safeKeys(doc.inputItems),
    };
    try {
      // Filtered on the owner: another principal's id does not match, so the upsert's insert
      // collides on `_id` instead of overwriting it.
      await this.coll.replaceOne({ _id: id, principalId }, stored, { upsert: true });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new ResponseIdTakenError(`response id ${id} belongs to another principal`);
      throw err;
    }
  }

  async get(id: string, principalId: string): Promise<StoredResponse | undefined> {
    const doc = await this.coll.findOne({ _id: id, principalId });
    if (!doc) return undefined;
    return {
      response: plainValue(doc.response) as StoredResponse['response'],
      inputItems: plainValue(doc.inputItems) as JsonValue[],
      ...(doc.previousResponseId === undefined ? {} : { previousResponseId: doc.previousResponseId }),
      createdAt: doc.time.getTime(),
    };
  }

  async delete(id: string, principalId: string): Promise<boolean> {
    return (await this.coll.deleteOne({ _id: id, principalId })).deletedCount > 0;
  }

  async inputItems(id: string, principalId: string): Promise<JsonValue[] | undefined> {
    const doc = await this.coll.findOne({ _id: id, principalId }, { projection: { inputItems: 1 } });
    return doc ? (plainValue(doc.inputItems) as JsonValue[]) : undefined;
  }
}
