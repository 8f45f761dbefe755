// The JMAP wire types this client uses (RFC 8620, RFC 8621), as the server sends them.

export type Id = string;
export type State = string;

export const CORE = "urn:ietf:params:jmap:core";
export const MAIL = "urn:ietf:params:jmap:mail";

export interface CoreCapability {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
}

export interface Session {
  capabilities: Record<string, unknown> & { [CORE]: CoreCapability };
  accounts: Record<Id, { name: string; isPersonal: boolean; isReadOnly: boolean }>;
  primaryAccounts: Record<string, Id>;
  username: string;
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  state: State;
}

export interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}

export interface MethodError {
  type: string;
  description?: string;
  [key: string]: unknown;
}

export interface EmailAddress {
  name: string | null;
  email: string;
}

export interface Mailbox {
  id: Id;
  name: string;
  parentId: Id | null;
  role: string | null;
  sortOrder: number;
  totalEmails: number;
  unreadEmails: number;
  totalThreads: number;
  unreadThreads: number;
  isSubscribed: boolean;
}

export interface Thread {
  id: Id;
  emailIds: Id[];
}

/** The properties a message list shows; what the local store keeps for every email it has seen. */
export interface EmailSummary {
  id: Id;
  blobId: Id;
  threadId: Id;
  mailboxIds: Record<Id, true>;
  keywords: Record<string, true>;
  size: number;
  receivedAt: string;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  subject: string | null;
  preview: string;
  hasAttachment: boolean;
}

export const EMAIL_LIST_PROPERTIES: (keyof EmailSummary)[] = [
  "id",
  "blobId",
  "threadId",
  "mailboxIds",
  "keywords",
  "size",
  "receivedAt",
  "from",
  "to",
  "cc",
  "subject",
  "preview",
  "hasAttachment",
];

export interface EmailBodyPart {
  partId: string | null;
  blobId: Id | null;
  size: number;
  name: string | null;
  type: string;
  charset: string | null;
  disposition: string | null;
  cid: string | null;
}

export interface EmailBodyValue {
  value: string;
  isEncodingProblem: boolean;
  isTruncated: boolean;
}

/** What reading a message needs beyond the summary; immutable, so never resynced. */
export interface EmailBody {
  id: Id;
  bodyValues: Record<string, EmailBodyValue>;
  textBody: EmailBodyPart[];
  htmlBody: EmailBodyPart[];
  attachments: EmailBodyPart[];
  sentAt: string | null;
  replyTo: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
}

export const EMAIL_BODY_PROPERTIES: (keyof EmailBody)[] = [
  "id",
  "bodyValues",
  "textBody",
  "htmlBody",
  "attachments",
  "sentAt",
  "replyTo",
  "bcc",
];

export type Filter = FilterCondition | FilterOperator;
export interface FilterOperator {
  operator: "AND" | "OR" | "NOT";
  conditions: Filter[];
}
export interface FilterCondition {
  inMailbox?: Id;
  inMailboxOtherThan?: Id[];
  before?: string;
  after?: string;
  hasKeyword?: string;
  notKeyword?: string;
  hasAttachment?: boolean;
  text?: string;
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  body?: string;
}

export interface Comparator {
  property: string;
  isAscending?: boolean;
}

export interface GetArgs {
  accountId: Id;
  ids?: Id[] | null;
  "#ids"?: ResultReference;
  properties?: string[];
  [extra: string]: unknown;
}
export interface GetResponse<T> {
  accountId: Id;
  state: State;
  list: T[];
  notFound: Id[];
}
export interface ChangesArgs {
  accountId: Id;
  sinceState: State;
  maxChanges?: number;
}
export interface ChangesResponse {
  accountId: Id;
  oldState: State;
  newState: State;
  hasMoreChanges: boolean;
  created: Id[];
  updated: Id[];
  destroyed: Id[];
  updatedProperties?: string[] | null;
}
export interface QueryArgs {
  accountId: Id;
  filter?: Filter | null;
  sort?: Comparator[];
  position?: number;
  anchor?: Id;
  limit?: number;
  calculateTotal?: boolean;
  collapseThreads?: boolean;
}
export interface QueryResponse {
  accountId: Id;
  queryState: State;
  canCalculateChanges: boolean;
  position: number;
  ids: Id[];
  total?: number;
}
export interface QueryChangesArgs {
  accountId: Id;
  filter?: Filter | null;
  sort?: Comparator[];
  sinceQueryState: State;
  maxChanges?: number;
  upToId?: Id;
  calculateTotal?: boolean;
  collapseThreads?: boolean;
}
export interface AddedItem {
  id: Id;
  index: number;
}
export interface QueryChangesResponse {
  accountId: Id;
  oldQueryState: State;
  newQueryState: State;
  total?: number;
  removed: Id[];
  added: AddedItem[];
}
export interface SetArgs<T> {
  accountId: Id;
  ifInState?: State;
  create?: Record<Id, Partial<T>>;
  update?: Record<Id, Record<string, unknown>>;
  destroy?: Id[];
}
export interface SetResponse<T> {
  accountId: Id;
  oldState: State | null;
  newState: State;
  created: Record<Id, Partial<T>> | null;
  updated: Record<Id, Partial<T> | null> | null;
  destroyed: Id[] | null;
  notCreated: Record<Id, MethodError> | null;
  notUpdated: Record<Id, MethodError> | null;
  notDestroyed: Record<Id, MethodError> | null;
}
export interface ImportArgs {
  accountId: Id;
  emails: Record<Id, { blobId: Id; mailboxIds: Record<Id, true>; keywords?: Record<string, true>; receivedAt?: string }>;
}
export interface ImportResponse {
  accountId: Id;
  newState: State;
  created: Record<Id, { id: Id; blobId: Id; threadId: Id; size: number }> | null;
  notCreated: Record<Id, MethodError> | null;
}

/** Each method this client calls, with its arguments and its response. */
export interface Methods {
  "Core/echo": [Record<string, unknown>, Record<string, unknown>];
  "Mailbox/get": [GetArgs, GetResponse<Mailbox>];
  "Mailbox/changes": [ChangesArgs, ChangesResponse];
  "Mailbox/query": [{ accountId: Id }, QueryResponse];
  "Thread/get": [GetArgs, GetResponse<Thread>];
  "Thread/changes": [ChangesArgs, ChangesResponse];
  "Email/get": [GetArgs, GetResponse<EmailSummary & Partial<EmailBody>>];
  "Email/changes": [ChangesArgs, ChangesResponse];
  "Email/query": [QueryArgs, QueryResponse];
  "Email/queryChanges": [QueryChangesArgs, QueryChangesResponse];
  "Email/set": [SetArgs<EmailSummary>, SetResponse<EmailSummary>];
  "Email/import": [ImportArgs, ImportResponse];
}
export type MethodName = keyof Methods;

/** The types the sync engine mirrors, with their /changes and /get methods. */
export type SyncedType = "Mailbox" | "Thread" | "Email";

export interface StateChange {
  "@type": "StateChange";
  changed: Record<Id, Record<string, State>>;
}
