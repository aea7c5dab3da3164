// Types of the stand-in (see README.md). Only the surface matrix-bot-sdk names is declared; every
// constructor and static method throws EncryptionUnsupportedError.
export declare const isThreaddeskStub: true;
export declare class EncryptionUnsupportedError extends Error {
  readonly code: 'THREADDESK_E2EE_UNSUPPORTED';
}
export declare const enum EncryptionAlgorithm { OlmV1Curve25519AesSha2 = 0, MegolmV1AesSha2 = 1 }
export declare const enum ShieldColor { Red = 0, Grey = 1, None = 2 }
export declare const enum HistoryVisibility { Invited = 0, Joined = 1, Shared = 2, WorldReadable = 3 }
export declare const enum DeviceKeyAlgorithmName { Ed25519 = 0, Curve25519 = 1, SignedCurve25519 = 2, Unknown = 3 }
export declare const enum StoreType { Sled = 0, Sqlite = 1 }
export declare const enum RequestType { KeysUpload = 0, KeysQuery = 1, KeysClaim = 2, ToDevice = 3, SignatureUpload = 4, RoomMessage = 5, KeysBackup = 6 }
export declare function getVersions(): never;
export declare class Attachment { static encrypt(array: Uint8Array): never; static decrypt(attachment: EncryptedAttachment): never }
export declare class OlmMachine { static initialize(...args: unknown[]): Promise<never>; static withSledBackend(...args: unknown[]): never }
export declare class EncryptedAttachment { private constructor() }
export declare class EncryptionSettings { private constructor() }
export declare class ShieldState { private constructor() }
export declare class UserId { constructor(id: string) }
export declare class DeviceId { constructor(id: string) }
export declare class DeviceKeyId { private constructor() }
export declare class DeviceKeyAlgorithm { private constructor() }
export declare class RoomId { constructor(id: string) }
export declare class ServerName { private constructor() }
export declare class CrossSigningStatus { private constructor() }
export declare class KeysUploadRequest { private constructor() }
export declare class KeysQueryRequest { private constructor() }
export declare class KeysClaimRequest { private constructor() }
export declare class ToDeviceRequest { private constructor() }
export declare class SignatureUploadRequest { private constructor() }
export declare class RoomMessageRequest { private constructor() }
export declare class KeysBackupRequest { private constructor() }
export declare class DecryptedRoomEvent { private constructor() }
export declare class DeviceLists { constructor(changed?: UserId[], left?: UserId[]) }
export declare class Signatures { private constructor() }
export declare class Signature { private constructor() }
export declare class MaybeSignature { private constructor() }
export declare class Ed25519PublicKey { private constructor() }
export declare class Ed25519Signature { private constructor() }
export declare class Curve25519PublicKey { private constructor() }
export declare class IdentityKeys { private constructor() }
export declare class Versions { private constructor() }
