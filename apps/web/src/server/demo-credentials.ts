/** The demo fleet's credential, env:DEVSIM (devsim's defaults), unless the environment names others. */
export const DEMO_CREDENTIALS = {
  NETAUTO_DEVSIM_USERNAME: 'netops',
  NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
  /** The simulated devices listen on loopback only: the credential goes nowhere else. */
  NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
  NETAUTO_DEVSIM_ENABLE: 'enable-pass',
} as const;
