/**
 * The envelope dispatch answers a refused argument with: the message in words (a sentence, never the
 * method or the path), the path apart in `field`. Cases are written "path: message".
 */
export function refused(pathAndMessage: string) {
  const at = pathAndMessage.indexOf(': ');
  const field = pathAndMessage.slice(0, at);
  const message = pathAndMessage.slice(at + 2);
  return {
    ok: false,
    error: { code: 'bad-request', message: message.charAt(0).toUpperCase() + message.slice(1), field },
  };
}
