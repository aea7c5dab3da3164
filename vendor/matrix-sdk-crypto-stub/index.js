'use strict';
/* global module */ // CommonJS: the SDK require()s this package.
// Same export names as @matrix-org/matrix-sdk-crypto-nodejs 0.1.0-beta.6 (see README.md): loading
// works, using end-to-end encryption throws a sentence that says what to do instead.

const MESSAGE =
  'End-to-end encryption is not supported by threaddesk: @matrix-org/matrix-sdk-crypto-nodejs is ' +
  'replaced by a stand-in (vendor/matrix-sdk-crypto-stub) because its native library cannot be ' +
  'installed. Use an unencrypted Matrix room for the department and do not give the bot a crypto store.';

class EncryptionUnsupportedError extends Error {
  constructor(what) {
    super(`${MESSAGE} (attempted: ${what})`);
    this.name = 'EncryptionUnsupportedError';
    this.code = 'THREADDESK_E2EE_UNSUPPORTED';
  }
}

function unsupported(what) {
  throw new EncryptionUnsupportedError(what);
}

/** A class whose constructor and listed static methods throw (async ones reject, like the real ones). */
function stubClass(name, statics = [], asyncStatics = []) {
  const cls = {
    [name]: class {
      constructor() {
        unsupported(`new ${name}()`);
      }
    },
  }[name];
  for (const method of [...statics, ...asyncStatics]) {
    const isAsync = asyncStatics.includes(method);
    Object.defineProperty(cls, method, {
      value: isAsync
        ? () => Promise.reject(new EncryptionUnsupportedError(`${name}.${method}()`))
        : () => unsupported(`${name}.${method}()`),
      enumerable: false,
      writable: false,
    });
  }
  return cls;
}

// Enums are plain numbers in the real module too (napi-rs const enums); keeping the values lets
// code that only compares them keep working.
const enums = {
  EncryptionAlgorithm: { OlmV1Curve25519AesSha2: 0, MegolmV1AesSha2: 1 },
  ShieldColor: { Red: 0, Grey: 1, None: 2 },
  HistoryVisibility: { Invited: 0, Joined: 1, Shared: 2, WorldReadable: 3 },
  DeviceKeyAlgorithmName: { Ed25519: 0, Curve25519: 1, SignedCurve25519: 2, Unknown: 3 },
  StoreType: { Sled: 0, Sqlite: 1 },
  RequestType: { KeysUpload: 0, KeysQuery: 1, KeysClaim: 2, ToDevice: 3, SignatureUpload: 4, RoomMessage: 5, KeysBackup: 6 },
};
for (const [name, members] of Object.entries(enums)) {
  const both = { ...members };
  for (const [key, value] of Object.entries(members)) both[value] = key; // reverse mapping, like TS enums
  module.exports[name] = Object.freeze(both);
}

const statics = { Attachment: ['encrypt', 'decrypt'], OlmMachine: ['withSledBackend'] };
const asyncStatics = { OlmMachine: ['initialize'] };
const classes = [
  'Attachment', 'EncryptedAttachment', 'EncryptionSettings', 'ShieldState', 'UserId', 'DeviceId', 'DeviceKeyId',
  'DeviceKeyAlgorithm', 'RoomId', 'ServerName', 'OlmMachine', 'CrossSigningStatus', 'KeysUploadRequest',
  'KeysQueryRequest', 'KeysClaimRequest', 'ToDeviceRequest', 'SignatureUploadRequest', 'RoomMessageRequest',
  'KeysBackupRequest', 'DecryptedRoomEvent', 'DeviceLists', 'Signatures', 'Signature', 'MaybeSignature',
  'Ed25519PublicKey', 'Ed25519Signature', 'Curve25519PublicKey', 'IdentityKeys', 'Versions',
];
for (const name of classes) module.exports[name] = stubClass(name, statics[name], asyncStatics[name]);

module.exports.getVersions = () => unsupported('getVersions()');
module.exports.EncryptionUnsupportedError = EncryptionUnsupportedError;
/** Lets code and tests tell the stand-in from the real module. */
module.exports.isThreaddeskStub = true;
