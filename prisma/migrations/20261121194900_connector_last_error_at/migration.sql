-- AlterTable
ALTER TABLE "Connector" ADD COLUMN     "lastErrorAt" TIMESTAMP(3);
