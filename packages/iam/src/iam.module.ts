import { type DynamicModule, Module } from '@nestjs/common';
import { IAM_DATABASE_URL, IamDatabase } from './database/iam-database';

export interface IamModuleOptions {
  databaseUrl: string;
}

/**
 * Access management, mounted in-process by the gateway (accessManagement.mode = builtin) and hosted on
 * its own by apps/iam. Its features arrive with the IAM issue; for now it owns its database.
 */
@Module({})
export class IamModule {
  static forRoot(options: IamModuleOptions): DynamicModule {
    return {
      module: IamModule,
      providers: [{ provide: IAM_DATABASE_URL, useValue: options.databaseUrl }, IamDatabase],
      exports: [IamDatabase],
    };
  }
}
