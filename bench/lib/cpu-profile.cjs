// Preloaded with NODE_OPTIONS=--require (where --cpu-prof is not allowed): samples CPU from start,
// writes `$PROF_OUT/cp-<ms>.cpuprofile` on SIGUSR2, so a profile survives a later kill -9.
const inspector = require('node:inspector');
const fs = require('node:fs');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')));
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (err, result) => {
    if (!err) fs.writeFileSync(`${process.env.PROF_OUT}/cp-${Date.now()}.cpuprofile`, JSON.stringify(result.profile));
    session.post('Profiler.start');
  });
});
