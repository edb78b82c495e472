import { aws_athena as athena, Duration, Fn, aws_glue as glue, RemovalPolicy, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  type AthenaLayout,
  type AthenaOutput,
  type AthenaTableOptions,
  HIVE_PARTITIONS,
  tableColumns,
  tableLocation,
  tableName,
  tableProperties,
} from '../src/athena/ddl.js';
import {
  isLake,
  type LakeTableDefinition,
  type LakeTableRole,
  lakeTables,
  lakeViewColumns,
  lakeViewName,
  prestoViewDefinition,
} from '../src/athena/lake.js';
import { namedQueries } from '../src/athena/queries.js';
import { resolveFormat } from '../src/formats/format.js';

export interface FlowlakeAthenaProps {
  readonly destination: s3.IBucket;
  /** '' or ending with '/'. */
  readonly destinationPrefix: string;
  readonly formats: readonly string[];
  readonly layout: string;
  /** The flow-log format of the outputs (AWS syntax or v2…v11); the v2 default when absent. */
  readonly fields?: string;
  /** Values for an enum projection of the hive path's account and region (injected when absent). */
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
  /** Where the results bucket writes its access logs (the stack's access-log bucket, when it has one). */
  readonly accessLogs?: s3.IBucket;
  /** Days Athena query results are kept. */
  readonly resultExpiration?: Duration;
}

const RESULTS_PREFIX = 'athena-results/';

const PARQUET_STORAGE = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

/**
 * Lands the user in Athena: a Glue database; for the lake (Parquet in the hive layout) its recent, compacted and
 * state tables and the flows view that reads each row once (src/athena/lake.ts, what `athena-ddl` prints);
 * otherwise one table per output kind the stack writes (CSV as a typed table, where `-` reads as NULL); a
 * workgroup whose query results go to a bucket of their own (so never under a table location); and one named
 * query per hunt of the catalog, reading the flows view, else the Parquet table when there is one.
 */
export class FlowlakeAthena extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  /** The tables of the mirror layout, and the CSV table of the hive layout. */
  readonly tables: Partial<Record<AthenaOutput, glue.CfnTable>> = {};
  /** The lake's tables and its flows view (Parquet in the hive layout). */
  readonly lakeTables: Partial<Record<LakeTableRole, glue.CfnTable>> = {};
  readonly flowsView?: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: athena.CfnNamedQuery[] = [];
  /** The table or view the named queries read (undefined when the stack writes neither Parquet nor CSV). */
  readonly huntTable?: string;

  constructor(scope: Construct, id: string, props: FlowlakeAthenaProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Glue names are lower case; one database per stack, so two stacks in an account do not collide.
    this.databaseName = stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: 'flowlake: converted VPC flow logs' },
    });

    const format = resolveFormat(props.fields);
    const outputs = (['parquet', 'csv'] as const).filter((o) => props.formats.includes(o));
    const tableOptions = (output: AthenaOutput): AthenaTableOptions => ({
      location: `s3://${props.destination.bucketName}/${props.destinationPrefix}`,
      output,
      layout: props.layout as AthenaLayout,
      format,
      database: this.databaseName,
      accounts: props.accounts,
      regions: props.regions,
    });
    for (const output of outputs) {
      const options = tableOptions(output);
      if (!isLake(options)) {
        this.tables[output] = this.table(output, options);
        continue;
      }
      for (const definition of lakeTables(options)) {
        this.lakeTables[definition.role] = this.lakeTable(definition);
      }
      this.flowsView = this.view(options);
    }

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Results are copies of what the tables hold: kept a while for re-reading, never forever.
      lifecycleRules: [
        {
          expiration: props.resultExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.accessLogs
        ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: 'athena-results/' }
        : {}),
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: stack.stackName,
      description: 'flowlake: hunts over converted VPC flow logs (results in their own bucket)',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Users cannot point results elsewhere (e.g. under a table location, where a table would read them).
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    const huntOutput = outputs[0];
    if (huntOutput) {
      const options = tableOptions(huntOutput);
      this.huntTable = isLake(options) ? lakeViewName(options) : tableName(options);
      // The stack's CSV table reads `-` as NULL itself; the queries keep its data files (there is no view).
      for (const q of namedQueries(options, 'table')) {
        const query = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
          name: q.name,
          description: q.description.slice(0, 1024),
          database: this.databaseName,
          workGroup: this.workGroup.ref,
          queryString: q.sql,
        });
        query.addDependency(this.database);
        if (this.flowsView) query.addDependency(this.flowsView);
        this.namedQueries.push(query);
      }
    }
  }

  /** One of the lake's tables, as src/athena/lake.ts defines it (the DDL `athena-ddl` prints). */
  private lakeTable(definition: LakeTableDefinition): glue.CfnTable {
    const stack = Stack.of(this);
    const storage =
      definition.storage === 'parquet'
        ? PARQUET_STORAGE
        : {
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
              parameters: { 'field.delim': ',', 'serialization.format': ',' },
            },
          };
    const id = { recent: 'LakeRecentTable', compacted: 'LakeCompactedTable', state: 'LakeStateTable' }[definition.role];
    const table = new glue.CfnTable(this, id, {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: definition.name,
        description: definition.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: definition.storage,
          ...Object.fromEntries(definition.properties),
        },
        partitionKeys: definition.partitionKeys.map((p) => ({ name: p, type: 'string' })),
        storageDescriptor: {
          columns: definition.columns.map((c) => ({ name: c.name, type: c.type })),
          location: definition.location,
          ...storage,
        },
      },
    });
    table.addDependency(this.database);
    return table;
  }

  /**
   * The flows view, as Athena keeps a view in the Glue Data Catalog (a VIRTUAL_VIEW whose original text is the
   * base64 of its definition): so it exists from the deployment on, with the text `athena-ddl` prints.
   */
  private view(options: AthenaTableOptions): glue.CfnTable {
    const stack = Stack.of(this);
    const definition = prestoViewDefinition({ ...options, database: this.databaseName });
    const view = new glue.CfnTable(this, 'FlowsView', {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: lakeViewName(options),
        description: 'flowlake lake: every flow once (recent files not retired, live compacted days); query this',
        tableType: 'VIRTUAL_VIEW',
        parameters: { presto_view: 'true', comment: 'Presto View' },
        // The location is in the definition (the bucket may be this stack's): CloudFormation encodes it.
        viewOriginalText: Fn.join('', ['/* Presto View: ', Fn.base64(definition), ' */']),
        viewExpandedText: '/* Presto View */',
        storageDescriptor: {
          columns: lakeViewColumns(options).map((c) => ({ name: c.name, type: c.type })),
          serdeInfo: {},
        },
      },
    });
    view.addDependency(this.database);
    for (const table of Object.values(this.lakeTables)) view.addDependency(table);
    return view;
  }

  private table(output: AthenaOutput, options: AthenaTableOptions): glue.CfnTable {
    const stack = Stack.of(this);
    const columns = tableColumns(options);
    const hive = options.layout === 'hive';
    const parameters = { EXTERNAL: 'TRUE', classification: output, ...Object.fromEntries(tableProperties(options)) };
    const storage =
      output === 'parquet'
        ? PARQUET_STORAGE
        : {
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
              // `-` (no value) reads as NULL in every column, strings included: a typed table.
              parameters: { 'field.delim': ',', 'serialization.format': ',', 'serialization.null.format': '-' },
            },
          };
    const table = new glue.CfnTable(this, `${output === 'parquet' ? 'Parquet' : 'Csv'}Table`, {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: tableName(options),
        description: `flowlake ${output} outputs (${options.layout} layout)`,
        tableType: 'EXTERNAL_TABLE',
        parameters,
        partitionKeys: hive ? HIVE_PARTITIONS.map((p) => ({ name: p, type: 'string' })) : [],
        storageDescriptor: { columns, location: tableLocation(options), ...storage },
      },
    });
    table.addDependency(this.database);
    return table;
  }
}
