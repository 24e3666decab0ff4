export { CutProxy } from '@portwarden/controller/testing/cut-proxy';
