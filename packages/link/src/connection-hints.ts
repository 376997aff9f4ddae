// What a failed connection to the Cloud means, for the person at the practice reading the Link's log: the
// socket's own error names an OpenSSL or system condition, not what to change.
export function connectionHint(err: Error & { code?: string }, cloudUrl: string): string | undefined {
  const code = err.code ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(err.message)) {
    return `the server at ${cloudUrl} does not answer TLS on that port: if the Cloud is served over plain HTTP, give --cloud with http://; otherwise check the port`;
  }
  if (code === 'ECONNREFUSED') return `nothing accepts connections at ${cloudUrl}: is the Cloud running, and are the host and port right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name in ${cloudUrl} could not be looked up: check the name and this server's DNS`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return `the TLS certificate of ${cloudUrl} is not trusted here (${code}): the name must match the certificate, and a private certificate authority must be added to this server's trusted certificates (NODE_EXTRA_CA_CERTS)`;
  }
  return undefined;
}
