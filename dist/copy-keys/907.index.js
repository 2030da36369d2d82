export * from '../907.index.js'
