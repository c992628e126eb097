// Entry of actions/build-push. The post step has nothing to do when the main step cleaned up after
// itself (the usual case): it then ends without evaluating the action's modules. (Eager: bundled in
// this one file, evaluated only when imported.)
const leftBehind = ['docker-config', 'builder'].some((key) => process.env[`STATE_${key}`]);
if (process.env.STATE_isPost !== 'true' || leftBehind) await import(/* webpackMode: "eager" */ './BuildPushAction.js');
