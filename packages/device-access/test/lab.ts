/** The simulated lab's credentials, as `env:LAB` reads them, for loopback devices only. */
export const LAB_ENV = {
  NETAUTO_LAB_PASSWORD: 'netops-pass',
  NETAUTO_LAB_ENABLE: 'enable-pass',
  NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
};
