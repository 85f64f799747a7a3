export { budgetOf, requestBudgets } from './request-budget';
