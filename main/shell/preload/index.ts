// The page's only door to the core: two named functions over fixed channels. Runs sandboxed with
// contextIsolation, so the page never sees ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Envelope, ShellApi } from '#contract/index';

const api = {
  invoke: (method: string, args: unknown) =>
    ipcRenderer.invoke('hearth:invoke', method, args) as Promise<Envelope<unknown>>,
  subscribe(listener: (event: string, payload: unknown) => void) {
    const relay = (_e: IpcRendererEvent, event: string, payload: unknown) => listener(event, payload);
    ipcRenderer.on('hearth:event', relay);
    return () => {
      ipcRenderer.off('hearth:event', relay);
    };
  },
} satisfies ShellApi;

contextBridge.exposeInMainWorld('hearth', api);
