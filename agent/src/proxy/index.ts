import type { StepHandler } from '../steps/handler.js';
import { createTrafficSwitch } from './switch-step.js';

/**
 * The traffic proxy: its process main (`runProxy`, `proxyCliMain`), the client the agent uses over
 * the control socket, and the traffic.switch, traffic.remove, traffic.split and traffic.stats steps. The default step starts the proxy from the
 * running agent's own entry script (process.argv[1]).
 */
export const trafficSwitch: StepHandler<'traffic.switch'> = createTrafficSwitch();
export { trafficRemove } from './remove-step.js';
export { trafficSplit, trafficStats } from './split-step.js';
export { createTrafficSwitch } from './switch-step.js';
export { runProxy, proxyCliMain, proxyPidFile, proxyLogFile, type RunProxyOptions } from './run.js';
export { ensureProxy, type EnsureProxyOptions } from './ensure.js';
export { ProxyClient } from './client.js';
export { ProxyError, type ProxyStatus, type RouteRecord, type RouteStatus, type SwitchResult } from './control-protocol.js';
export { nginxSwitch, writeNginxUpstream, renderUpstream, nginxUpstreamName, NginxError, type NginxDriverOptions } from './nginx.js';
