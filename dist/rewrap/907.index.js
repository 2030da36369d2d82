export * from '../inventory/907.index.js'
