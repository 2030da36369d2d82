export * from '../641.index.js'
