package hooks

// ThumbBudget lets the attacker tests hold the thumbnails' pixel budget.
var ThumbBudget = thumbBudget
