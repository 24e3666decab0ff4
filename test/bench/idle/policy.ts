/** The classic Ports tab on this machine: the six checks the idle agent runs, every 2 minutes. */
export const PORTS_TAB_POLICY = `
defaults:
  interval: 2m
  failuresBeforeAlert: 1
  alertGroup: bench
alertGroups:
  bench:
    channels:
      - log: {}
checks:
  - { name: Web (HTTP), host: 127.0.0.1, port: 80 }
  - { name: Secure Web (HTTPS), host: 127.0.0.1, port: 443 }
  - { name: FTP, host: 127.0.0.1, port: 21, expect: '220' }
  - { name: E-mail Send (SMTP), host: 127.0.0.1, port: 25, send: HELO portwarden, crlf: true, expect: '250' }
  - { name: E-mail Receive (POP3), host: 127.0.0.1, port: 110, expect: '+OK' }
  - { name: E-mail Receive (IMAP), host: 127.0.0.1, port: 143, expect: '* OK' }
`;

export const PORTS_TAB_CHECKS = 6;
