export * from './aws-clients';
export * from './provision';
export * from './start-emulators';
