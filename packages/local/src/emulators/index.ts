export * from './aws-clients';
export * from './drain-queue';
export * from './provision';
export * from './start-emulators';
