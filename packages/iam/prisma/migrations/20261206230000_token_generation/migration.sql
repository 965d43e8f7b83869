-- A user's access tokens carry the generation they were issued under: moving it revokes every one of them.
ALTER TABLE "User" ADD COLUMN "tokenGeneration" INTEGER NOT NULL DEFAULT 0;
