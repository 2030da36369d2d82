export * from '../324.index.js'
