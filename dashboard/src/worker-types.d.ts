// The worker's modules are compiled here only for the typed API client. Under the DOM lib, SubtleCrypto
// is the browser's, which lacks the Workers runtime extension the worker's password check uses.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
