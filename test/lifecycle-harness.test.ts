/*
 * Every bridge shape through the whole lifecycle, each on a database of its own (the contract is
 * test/support/harness.ts). A new shape is one case file in test/shapes and one line here.
 */
import { describeShape } from './support/harness.js';
import { columns } from './shapes/columns.js';
import { columnsOneSided } from './shapes/columns-one-sided.js';
import { distinct } from './shapes/distinct.js';
import { tableGenerated } from './shapes/table-generated.js';
import { tablePartitioned } from './shapes/table-partitioned.js';
import { tableRename } from './shapes/table-rename.js';
import { tableSplit } from './shapes/table-split.js';

describeShape(tableRename());
describeShape(tableSplit());
describeShape(distinct());
describeShape(columns());
describeShape(columnsOneSided());
describeShape(tableGenerated());
describeShape(tablePartitioned('range'));
describeShape(tablePartitioned('list'));
